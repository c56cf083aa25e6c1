/**
 * Trove's fault bodies: `{"<name>": {"code": <status>, "message": "..."}}`.
 * The name follows Trove's `Fault._get_error_name`: a few webob exception
 * classes have Trove names of their own (`HTTPNotFound` -> `itemNotFound`);
 * any other drops its `HTTP` prefix and lower-cases the first letter
 * (`HTTPConflict` -> `conflict`).
 */
import type { ApiResponse } from './resources';

/** webob's exception class for each status it defines. */
const WEBOB_CLASSES: Record<number, string> = {
  400: 'HTTPBadRequest',
  401: 'HTTPUnauthorized',
  402: 'HTTPPaymentRequired',
  403: 'HTTPForbidden',
  404: 'HTTPNotFound',
  405: 'HTTPMethodNotAllowed',
  406: 'HTTPNotAcceptable',
  407: 'HTTPProxyAuthenticationRequired',
  408: 'HTTPRequestTimeout',
  409: 'HTTPConflict',
  410: 'HTTPGone',
  411: 'HTTPLengthRequired',
  412: 'HTTPPreconditionFailed',
  413: 'HTTPRequestEntityTooLarge',
  414: 'HTTPRequestURITooLong',
  415: 'HTTPUnsupportedMediaType',
  416: 'HTTPRequestRangeNotSatisfiable',
  417: 'HTTPExpectationFailed',
  422: 'HTTPUnprocessableEntity',
  423: 'HTTPLocked',
  424: 'HTTPFailedDependency',
  428: 'HTTPPreconditionRequired',
  429: 'HTTPTooManyRequests',
  431: 'HTTPRequestHeaderFieldsTooLarge',
  451: 'HTTPUnavailableForLegalReasons',
  500: 'HTTPInternalServerError',
  501: 'HTTPNotImplemented',
  502: 'HTTPBadGateway',
  503: 'HTTPServiceUnavailable',
  504: 'HTTPGatewayTimeout',
  505: 'HTTPVersionNotSupported',
  507: 'HTTPInsufficientStorage',
  511: 'HTTPNetworkAuthenticationRequired',
};

/** The classes Trove renames. */
const TROVE_NAMES: Record<string, string> = {
  HTTPBadRequest: 'badRequest',
  HTTPUnauthorized: 'unauthorized',
  HTTPForbidden: 'forbidden',
  HTTPNotFound: 'itemNotFound',
  HTTPMethodNotAllowed: 'badMethod',
  HTTPRequestEntityTooLarge: 'overLimit',
  HTTPUnsupportedMediaType: 'badMediaType',
  HTTPInternalServerError: 'instanceFault',
  HTTPNotImplemented: 'notImplemented',
  HTTPServiceUnavailable: 'serviceUnavailable',
};

/** The fault name of an HTTP status, e.g. 404 -> `itemNotFound`, 409 -> `conflict`, 422 -> `unprocessableEntity`. */
export function faultName(status: number): string {
  // A status webob has no class for is raised as the generic client or server error.
  const webobClass = WEBOB_CLASSES[status] ?? (status < 500 ? 'HTTPClientError' : 'HTTPServerError');
  const renamed = TROVE_NAMES[webobClass];
  if (renamed) return renamed;
  const bare = webobClass.slice('HTTP'.length);
  return bare[0].toLowerCase() + bare.slice(1);
}

/** A Trove fault response: `{"itemNotFound": {"code": 404, "message": "..."}}`. */
export function fault(status: number, message: string): ApiResponse {
  return { status, headers: {}, body: { [faultName(status)]: { code: status, message } } };
}
