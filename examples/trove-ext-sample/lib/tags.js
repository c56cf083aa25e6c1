'use strict';
/**
 * Instance tags: a trove-api extension shipped as its own package.
 *
 * trove-api finds it because package.json declares it in the
 * `trove.api.extensions` entry point namespace; nothing is copied into
 * trove-api and nothing is configured. The package does not depend on
 * trove-api: it implements the extension protocol, an object carrying the
 * registered symbol `Symbol.for('trove-api.ExtensionDescriptor')` with the
 * descriptor methods. (A package that depends on trove-api would extend
 * `ExtensionDescriptor` from `trove-api/extensions` instead.)
 *
 * It adds:
 *   GET  /{tenant_id}/instances/{instance_id}/tags      a resource: {"tags": ["prod", ...]}
 *   POST /{tenant_id}/instances/{id}/action             actions {"addTags": {"tags": [...]}}
 *                                                        and {"removeTags": {"tags": [...]}} (202)
 *   GET  /{tenant_id}/instances/{id}                    a request extension: adds "tags" to the instance
 */

const EXTENSION_DESCRIPTOR = Symbol.for('trove-api.ExtensionDescriptor');
const TAG = /^[\w.:-]{1,64}$/;

/** A fault the service turns into a JSON error with this status. */
function httpError(status, message) {
  return Object.assign(new Error(message), { status });
}

/** The `tags` list of an action body, validated. */
function tagsOf(argument) {
  const tags = argument && argument.tags;
  if (!Array.isArray(tags) || !tags.length || tags.some((tag) => typeof tag !== 'string' || !TAG.test(tag))) {
    throw httpError(400, 'Invalid tags: expected {"tags": ["name", ...]} with names of letters, digits, _ . : -');
  }
  return tags;
}

class InstanceTags {
  constructor() {
    /** Instance id -> its tags (kept per service instance, in memory). */
    this.tags = new Map();
  }

  getName() {
    return 'Instance Tags';
  }

  getAlias() {
    return 'TAGS';
  }

  getDescription() {
    return 'Free-form tags on database instances (a sample third-party extension)';
  }

  getNamespace() {
    return 'https://example.org/trove/ext/tags/v1.0';
  }

  getUpdated() {
    return '2024-03-01T00:00:00Z';
  }

  /** The tags of an instance the tenant can see (a 404 otherwise). */
  tagsFor(req, tenantId, instanceId) {
    const instance = req.context.db.getInstance(instanceId, tenantId);
    return [...(this.tags.get(instance.id) ?? [])].sort();
  }

  getResources() {
    return [
      {
        collection: 'tags',
        parent: { memberName: 'instance', collectionName: '{tenant_id}/instances' },
        controller: { index: (req) => ({ tags: this.tagsFor(req, req.params.tenant_id, req.params.instance_id) }) },
      },
    ];
  }

  getActions() {
    const change = (add) => (body, req, id) => {
      const current = new Set(this.tagsFor(req, req.params.tenant_id, id));
      for (const tag of tagsOf(body[add ? 'addTags' : 'removeTags'])) {
        if (add) current.add(tag);
        else current.delete(tag);
      }
      this.tags.set(id, current);
    };
    return [
      { collection: '{tenant_id}/instances', actionName: 'addTags', handler: change(true) },
      { collection: '{tenant_id}/instances', actionName: 'removeTags', handler: change(false) },
    ];
  }

  getRequestExtensions() {
    return [
      {
        method: 'GET',
        urlRoute: '/{tenant_id}/instances/{id}',
        handler: (req, res) => {
          if (res.status === 200 && res.body && res.body.instance) {
            res.body.instance.tags = this.tagsFor(req, req.params.tenant_id, req.params.id);
          }
          return res;
        },
      },
    ];
  }
}

Object.defineProperty(InstanceTags.prototype, EXTENSION_DESCRIPTOR, { value: true });

module.exports = { InstanceTags };
