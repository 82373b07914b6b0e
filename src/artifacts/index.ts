/**
 * @module The artifacts slice's public face: the ArtifactStore contract, its two adapters, the
 * factory that picks one from a URI, path safety, and streaming sha256 helpers.
 */
export type {
  ArtifactDownload,
  ArtifactEntry,
  ArtifactStat,
  ArtifactStore,
  ByteRange,
  CompletedPart,
  PutOptions,
  PutResult,
  UploadPartOptions,
} from './artifact-store.js';
export { formatByteRange } from './byte-range.js';
export { EMPTY_SHA256, Sha256Tap, isSha256Hex, sha256OfBytes, sha256OfFile, sha256OfStream, type DigestResult } from './digest.js';
export { DEFAULT_LOCAL_ARTIFACT_ROOT, LocalArtifactStore } from './local-artifact-store.js';
export { openArtifactStore, type OpenArtifactStoreOptions } from './open-artifact-store.js';
export { S3ArtifactStore } from './s3-artifact-store.js';
export { parseS3Uri, s3OptionsFromEnv, type S3ArtifactStoreOptions, type S3Credentials } from './s3-config.js';
export {
  MAX_ARTIFACT_PATH_BYTES,
  RESERVED_ROOT_ENTRY,
  assertRealPathInside,
  normalizeArtifactPath,
  resolveSafeArtifactPath,
} from './safe-path.js';
export { ArtifactLocations } from './artifact-locations.js';
export { ArtifactRoots } from './artifact-roots.js';
export { artifactProxyRoutes, sendArtifact, streamBodies, readJson, parseRangeHeader } from './routes.js';
