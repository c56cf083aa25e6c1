/**
 * stevedore-ts: discover, load and invoke plugins that installed packages
 * declare as entry points in their package.json. The public API.
 */
export { EntryPoint, parseEntryPointValue } from './entry-point';
export type { Distribution, EntryPointOrigin, ParsedValue, ModuleFormat } from './entry-point';
export { Extension, ExtensionManager, ignoreConflicts, errorOnConflict } from './extension';
// The types a manager's constructor and create() are written with.
export type {
  Namespaces,
  PluginType,
  TypeGiven,
  Created,
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
export type { DriverOptions, DriverType } from './driver';
export { HookManager } from './hook';
export type { TapableKind, TapableHookOf, TapOptions } from './tapable-hook';
export { Registry, defaultRegistry } from './registry';
export type { RegistryOptions, RegistryHooks, CacheStatus, ShadowedEntryPoint } from './registry';
export type { ScanResult, PackageRecord, ShadowedPackage, Problem, Declaration } from './scan';
export { cacheInfo, clearCache } from './cache';
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
export { registerBundled, writeEntryPointModule } from './bundle';
export type {
  BundledEntryPoint,
  BundledEntryPointRecord,
  CollectedEntryPoint,
  WriteEntryPointModuleOptions,
} from './bundle';
export { trustPolicy } from './trust';
export type { TrustChecker, TrustPolicy, OnRefusedCallback } from './trust';
export type { DiscoverTrace, LoadTrace } from './tracing';
export type { PeerRequirement } from './peers';
