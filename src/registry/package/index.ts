/**
 * @module Model packages: the MLmodel-compatible manifest, signatures, and digest checks of a
 * package folder. Pure file-format code, shared by the SDK (writing, verifying) and the server
 * (model cards).
 */
export {
  buildManifest, INPUT_EXAMPLE_FILE, inputExampleJson, MANIFEST_FILE, normalizeFlavors, PACKAGE_FORMAT, parseManifest, renderManifest,
  type FileDigest, type ManifestInput, type PackageEnvironment, type TrainyardBlock,
} from './manifest.js';
export { COLUMN_TYPES, signatureFromMlflow, signatureToMlflow, TENSOR_DTYPES, type ModelSignature, type SchemaField } from './signature.js';
export { digestFolder, IntegrityError, listFiles, verifyFolder } from './local-files.js';
