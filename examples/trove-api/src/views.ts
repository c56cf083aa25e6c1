/** The JSON shapes of instances, as Trove's `trove/instance/views.py` and the mgmt views write them. */
import type { ApiRequest } from './framework/resources';
import type { InstanceRecord } from './models';

/** `self` and `bookmark` links to a member of a tenant's collection (Trove's `create_links`). */
export function links(
  req: ApiRequest,
  tenantId: string,
  collection: string,
  id: string,
): { href: string; rel: string }[] {
  const self = `${req.context.baseUrl}/${tenantId}/${collection}/${id}`;
  const bookmark = self.replace(/\/v\d+(\.\d+)?\//, '/');
  return [
    { href: self, rel: 'self' },
    { href: bookmark, rel: 'bookmark' },
  ];
}

/** An instance in a list: `GET /{tenant_id}/instances`. */
export function instanceView(req: ApiRequest, instance: InstanceRecord): Record<string, unknown> {
  return {
    id: instance.id,
    name: instance.name,
    status: instance.status,
    links: links(req, instance.tenantId, 'instances', instance.id),
    flavor: { id: instance.flavorId, links: links(req, instance.tenantId, 'flavors', instance.flavorId) },
    datastore: { ...instance.datastore },
    region: instance.region,
    volume: { size: instance.volumeSize },
  };
}

/** One instance: `GET /{tenant_id}/instances/{id}`. */
export function instanceDetailView(req: ApiRequest, instance: InstanceRecord): Record<string, unknown> {
  return { ...instanceView(req, instance), created: instance.created, updated: instance.updated };
}

/** An instance as operators see it through mgmt: with its server, tenant and task. */
export function mgmtInstanceView(req: ApiRequest, instance: InstanceRecord): Record<string, unknown> {
  return {
    ...instanceDetailView(req, instance),
    server: {
      id: instance.serverId,
      name: instance.name,
      status: instance.status,
      tenant_id: instance.tenantId,
      host: instance.host,
    },
    service_status: instance.status === 'ACTIVE' ? 'HEALTHY' : instance.status,
    tenant_id: instance.tenantId,
    deleted: false,
    deleted_at: null,
    task_description: instance.taskDescription,
  };
}

/** One instance through mgmt, with its volume, guest status and root history. */
export function mgmtInstanceDetailView(req: ApiRequest, instance: InstanceRecord): Record<string, unknown> {
  return {
    ...mgmtInstanceView(req, instance),
    volume: { id: `volume-${instance.id.slice(0, 8)}`, size: instance.volumeSize, status: 'in-use' },
    guest_status: { state_description: instance.status === 'ACTIVE' ? 'healthy' : instance.status.toLowerCase() },
    root_enabled: instance.rootEnabled?.at ?? null,
    root_enabled_by: instance.rootEnabled?.by ?? null,
  };
}
