/**
 * @module One listing order for every adapter: by the names' UTF-8 bytes, which is the order S3
 * returns keys in. JavaScript's default string order (UTF-16 units) disagrees with it for emoji
 * versus characters from U+E000 up, and the conformance suite would catch the difference.
 */
import type { ArtifactEntry } from './artifact-store.js';

/** Sorts entries in place by UTF-8 byte order of their names and returns them. */
export function sortEntries(entries: ArtifactEntry[]): ArtifactEntry[] {
  return entries.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
}
