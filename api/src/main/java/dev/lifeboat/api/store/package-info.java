/** The store SPI: an atomic, dumb object store (local directory, S3, …). */
package dev.lifeboat.api.store;
