/** The catalog model: manifests and the parts they record. */
package dev.lifeboat.api.catalog;
