/**
 * stevedore-ts: discover, load and invoke plugins that installed packages
 * declare as entry points in their package.json. The public API.
 */
export { EntryPoint, parseEntryPointValue, formatEntryPointValue } from './entry-point';
export type { Distribution, ParsedValue } from './entry-point';
export { Extension, ExtensionManager, ignoreConflicts, errorOnConflict, invokePlugin } from './extension';
export type {
  Namespaces,
  FromNamespace,
  PluginType,
  ManagerOptions,
  TestInstanceOptions,
  OnLoadFailureCallback,
  ConflictResolver,
} from './extension';
export { NamedExtensionManager } from './named';
export type { NamedOptions, OnMissingEntrypointsCallback } from './named';
export { EnabledExtensionManager } from './enabled';
export type { CheckFunc } from './enabled';
export { DispatchExtensionManager, NameDispatchExtensionManager } from './dispatch';
export type { FilterFunc } from './dispatch';
export { DriverManager } from './driver';
export { HookManager } from './hook';
export { Registry, defaultRegistry } from './registry';
export { nodeModulesPaths, findPackageRoot, defaultRoot, globalFolder } from './locate';
export type { RegistryOptions, RegistryHooks, CacheStatus } from './registry';
export type { ScanResult, PackageRecord, ShadowedPackage, Problem, Declaration } from './scan';
export { defaultCacheDir, cacheInfo, clearCache } from './cache';
export type { CacheInfo } from './cache';
export {
  NoUniqueMatch,
  NoMatches,
  MultipleMatches,
  KeyError,
  InvalidEntryPoint,
  LoadError,
  IncompatiblePlugin,
} from './exception';
export type { PeerMismatch } from './exception';
export type { WarningCode } from './diagnostics';
export {
  registerBundled,
  collectEntryPoints,
  generateEntryPointModule,
  writeEntryPointModule,
  BundledEntryPoint,
} from './bundle';
export type { BundledEntryPointRecord, CollectedEntryPoint, WriteEntryPointModuleOptions } from './bundle';
export { TAPABLE_KINDS, extensionsToTapable, tapExtensions } from './tapable-hook';
export type { TapableKind, TapableHookOf, TapOptions } from './tapable-hook';
export { resolveImport } from './resolve';
export { trustPolicy, TrustChecker } from './trust';
export type { TrustPolicy, OnRefusedCallback } from './trust';
export { checkPeers, peerRequirements } from './peers';
export { DISCOVER_CHANNEL, LOAD_CHANNEL } from './tracing';
export type { DiscoverTrace, LoadTrace } from './tracing';
export type { PeerRequirement } from './peers';
