/**
 * The JSON shapes of instances, as Trove's `trove/instance/views.py` and
 * `trove/extensions/mgmt/instances/views.py` write them (see the api-ref
 * samples `instance-list-response.json`, `instance-mgmt-show-response.json`, ...).
 */
import type { ApiRequest } from './framework/resources';
import type { InstanceRecord } from './models';
import { instanceStatus, NO_TASK, serviceApiStatus } from './models';

/** `self` and `bookmark` links (Trove's `create_links`: under the caller's tenant). */
export function links(req: ApiRequest, collection: string, id: string): { href: string; rel: string }[] {
  const self = `${req.context.baseUrl}/${req.params.tenant_id}/${collection}/${id}`;
  const bookmark = `${new URL(req.context.baseUrl).origin}/${collection}/${id}`;
  return [
    { href: self, rel: 'self' },
    { href: bookmark, rel: 'bookmark' },
  ];
}

/** An instance in a list: `GET /{tenant_id}/instances` (`admin` adds the tenant). */
export function instanceView(req: ApiRequest, instance: InstanceRecord, admin = false): Record<string, unknown> {
  const addresses = instance.addresses.map((address) => ({ ...address }));
  const view: Record<string, unknown> = {
    id: instance.id,
    name: instance.name,
    status: instanceStatus(instance),
    operating_status: instance.task || instance.deleted ? '' : serviceApiStatus(instance),
    links: links(req, 'instances', instance.id),
    flavor: { id: instance.flavorId, links: links(req, 'flavors', instance.flavorId) },
    datastore: { type: instance.datastore.type, version: instance.datastore.version },
    region: instance.region,
    access: { is_public: addresses.some((address) => address.type === 'public') },
    volume: { size: instance.volumeSize },
    ip: addresses.map((address) => address.address),
    addresses,
  };
  if (admin) view.tenant_id = instance.tenantId;
  return view;
}

/** An instance with its times: `GET /{tenant_id}/instances/detail` and `/instances/{id}`. */
export function instanceDetailView(req: ApiRequest, instance: InstanceRecord, admin = false): Record<string, unknown> {
  const view = instanceView(req, instance, admin);
  view.datastore = { ...(view.datastore as object), version_number: instance.datastore.versionNumber };
  Object.assign(view, {
    created: instance.created,
    updated: instance.updated,
    service_status_updated: instance.updated,
  });
  if (admin) {
    Object.assign(view, { server_id: instance.serverId, volume_id: instance.volumeId, encrypted_rpc_messaging: true });
  }
  return view;
}

/** An instance as operators see it through mgmt: with its server, tenant and task. */
export function mgmtInstanceView(req: ApiRequest, instance: InstanceRecord): Record<string, unknown> {
  const server = instance.deleted
    ? null
    : {
        id: instance.serverId,
        name: instance.name,
        status: 'ACTIVE',
        tenant_id: instance.tenantId,
        host: instance.host,
      };
  return {
    ...instanceDetailView(req, instance, true),
    server,
    service_status: serviceApiStatus(instance),
    tenant_id: instance.tenantId,
    deleted: instance.deleted,
    deleted_at: instance.deletedAt,
    task_description: instance.task?.description ?? NO_TASK,
  };
}

/** One instance through mgmt, with its server's addresses, its volume, guest status and root history. */
export function mgmtInstanceDetailView(req: ApiRequest, instance: InstanceRecord): Record<string, unknown> {
  const view = mgmtInstanceView(req, instance);
  if (view.server) {
    view.server = {
      ...(view.server as object),
      addresses: {
        private: instance.addresses.map((address) => ({
          addr: address.address,
          version: 4,
          'OS-EXT-IPS:type': 'fixed',
        })),
      },
    };
  } else {
    view.server = { id: instance.serverId };
  }
  if (instance.rootHistory) {
    view.root_enabled = instance.rootHistory.created;
    view.root_enabled_by = instance.rootHistory.user;
  }
  view.volume = instance.deleted
    ? { id: instance.volumeId }
    : {
        attachments: [{ device: '/dev/vdb', server_id: instance.serverId, volume_id: instance.volumeId }],
        availability_zone: 'nova',
        created_at: `${instance.created}.000000`,
        id: instance.volumeId,
        size: instance.volumeSize,
        status: 'in-use',
        used: 0.12,
        total: instance.volumeSize - 0.05,
      };
  view.guest_status = { state_description: instance.serviceStatus };
  return view;
}
