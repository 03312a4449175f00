/**
 * Lifeboat's API: the nouns users and plugins touch (ids, results, {@link dev.lifeboat.api.Secret}), the
 * listener, and the single exception tree rooted at {@link dev.lifeboat.api.LifeboatException}.
 * This module has no runtime dependencies.
 */
package dev.lifeboat.api;
