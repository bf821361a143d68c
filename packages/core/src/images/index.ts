/** The image store's public API: what @ryouiki/core's index exports. */
export { pull, type PullOptions } from './pull.js';
export { images, inspectImage, pruneImages, removeImage, tagImage, type ImageInspection, type ImageSummary, type RemoveImageOptions } from './images.js';
export { ensureImage, resolveImage, type ImageDefaults, type ResolvedImage } from './resolve.js';
export { importTarball, loadImages, saveImage } from './archive.js';
export { authFilePath, removeCredentials, storeCredentials, type Credentials } from './auth-file.js';
export { RegistryClient, type RegistryOptions } from './registry.js';
export { parseReference, formatReference, type ImageReference } from './reference.js';
export { parseEntrypoint, publishAllSpecs } from './plan-image.js';
export type { ImageRecord } from './store.js';
export { imagesInUse } from './in-use.js';
export { commitContainer, type CommitOptions } from './commit.js';
