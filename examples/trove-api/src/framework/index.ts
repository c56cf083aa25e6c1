/**
 * The API extension framework (`trove-api/extensions`): what an extension
 * package builds on, as Trove extensions build on `trove.common.extensions`.
 */
export {
  ExtensionDescriptor,
  EXTENSION_DESCRIPTOR,
  REQUIRED_METHODS,
  OPTIONAL_METHODS,
  checkExtensionDescriptor,
  isExtensionDescriptor,
} from './descriptor';
export type { ExtensionDescriptorLike } from './descriptor';
export { ResourceExtension, ActionExtension, RequestExtension, Result, HttpError, faults, isResult } from './resources';
export type {
  ApiRequest,
  ApiResponse,
  RequestContext,
  Controller,
  ControllerMethod,
  ResourceOptions,
  ResourceParent,
  ActionHandler,
  RequestHandler,
} from './resources';
export { ExtensionManager, DuplicateExtensionError, describeSource, emitServiceWarning } from './manager';
export type {
  ExtensionSource,
  LoadedExtension,
  SkippedExtension,
  ServiceWarning,
  WarningSink,
  ExtensionManagerOptions,
} from './manager';
export { ExtensionsResource, buildExtendedApi, resourceRoutes } from './middleware';
export { deprecationMessage } from './legacy';
