/** Verification levels and reports. */
package dev.lifeboat.api.verify;
