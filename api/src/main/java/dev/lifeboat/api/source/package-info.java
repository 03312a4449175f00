/** The source SPI: something that writes one part of a backup. */
package dev.lifeboat.api.source;
