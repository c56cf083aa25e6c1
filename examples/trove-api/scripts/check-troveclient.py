#!/usr/bin/env python3
"""Drives a running trove-api with the real OpenStack client, python-troveclient.

Every call the demo serves is made through troveclient.v1.client.Client on a
keystoneauth1 token_endpoint.Token session (no Keystone: the demo does not
check tokens), and each one prints PASS or FAIL with the reason. Exit status:
0 when every call passes, 1 otherwise.

    apt-get install -y python3-troveclient     # Debian's 8.0.0
    npm run demo                               # in another terminal, from the repository root
    python3 examples/trove-api/scripts/check-troveclient.py [--url http://127.0.0.1:8779/v1.0] [--tenant demo]

It changes the demo's data (databases, users, root, instance actions), so
run it against a freshly started service.
"""
import argparse
import sys
import traceback

from keystoneauth1 import session as ks_session
from keystoneauth1 import token_endpoint
from troveclient import exceptions
from troveclient.v1 import client as trove_client
from troveclient.v1 import diagnostics

ORDERS = '4a5c2a27-8c0e-4e4b-9f0b-6d7c1e3f2a10'
REPORTS = '9e0d1c2b-3a4f-4b5c-8d6e-7f8091a2b3c4'
BILLING = '1b2c3d4e-5f60-4718-8293-a4b5c6d7e8f9'
LEGACY = '7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2910'
IMAGE = '3e50414a-8532-4646-982c-a66fe8f0411b'


def expect(condition, what):
    if not condition:
        raise AssertionError(what)


def expect_fault(call, exception_class, code):
    try:
        call()
    except exception_class as error:
        expect(error.http_status == code, 'expected HTTP %s, got %s' % (code, error.http_status))
        return error
    raise AssertionError('expected %s (%s), the call succeeded' % (exception_class.__name__, code))


def checks(trove, tenant):
    names = lambda items: sorted(item.name for item in items)  # noqa: E731

    yield 'instances.list()', lambda: expect(
        names(trove.instances.list()) == ['orders-db', 'reports-db'], 'the demo tenant has orders-db and reports-db')

    def paging():
        first = trove.instances.list(limit=1)
        expect(len(first) == 1 and first.next, 'one instance and a next marker')
        second = trove.instances.list(limit=1, marker=first.next)
        expect(len(second) == 1 and second[0].id != first[0].id and not second.next, 'the other instance, last page')
    yield 'instances.list(limit=1) then marker=next', paging
    yield 'instances.list(detailed=True)', lambda: expect(
        all(hasattr(item, 'created') for item in trove.instances.list(detailed=True)), 'each has created')
    yield 'instances.get()', lambda: expect(trove.instances.get(ORDERS).name == 'orders-db', 'orders-db')
    yield 'instances.get() of another tenant: 404', lambda: expect_fault(
        lambda: trove.instances.get(BILLING), exceptions.NotFound, 404)
    yield 'instances.restart()', lambda: trove.instances.restart(ORDERS)
    yield 'instances.resize_volume()', lambda: trove.instances.resize_volume(ORDERS, 8)
    yield 'instances.resize_volume() to a smaller size: 400', lambda: expect_fault(
        lambda: trove.instances.resize_volume(ORDERS, 2), exceptions.BadRequest, 400)
    yield 'instances.resize_instance()', lambda: trove.instances.resize_instance(ORDERS, '3')
    yield 'instances.get() after the resizes', lambda: expect(
        trove.instances.get(ORDERS).volume['size'] == 8 and trove.instances.get(ORDERS).flavor['id'] == '3',
        'volume 8 and flavor 3')

    yield 'databases.list()', lambda: expect(names(trove.databases.list(ORDERS)) == ['audit', 'orders'], 'audit, orders')
    yield 'databases.create()', lambda: trove.databases.create(
        ORDERS, [{'name': 'shop', 'character_set': 'utf8mb4', 'collate': 'utf8mb4_bin'}, {'name': 'stock'}])
    yield 'databases.create() of an existing one: 400', lambda: expect_fault(
        lambda: trove.databases.create(ORDERS, [{'name': 'shop'}]), exceptions.BadRequest, 400)

    def databases_paging():
        first = trove.databases.list(ORDERS, limit=2)
        expect(names(first) == ['audit', 'orders'] and first.next == 'orders', 'two, then next = orders')
        rest = trove.databases.list(ORDERS, limit=2, marker=first.next)
        expect(names(rest) == ['shop', 'stock'] and not rest.next, 'shop, stock, last page')
    yield 'databases.list(limit=2) then marker=next', databases_paging
    yield 'databases.delete()', lambda: trove.databases.delete(ORDERS, 'stock')
    yield 'databases.delete() of a missing one: 404', lambda: expect_fault(
        lambda: trove.databases.delete(ORDERS, 'stock'), exceptions.NotFound, 404)

    yield 'users.list()', lambda: expect(names(trove.users.list(ORDERS)) == ['app'], 'app')
    yield 'users.create()', lambda: trove.users.create(ORDERS, [
        {'name': 'bob', 'password': 'pw1', 'databases': [{'name': 'shop'}]},
        {'name': 'carol', 'password': 'pw2', 'host': '10.0.0.%'}])
    yield 'users.get()', lambda: expect(
        [db['name'] for db in trove.users.get(ORDERS, 'bob').databases] == ['shop'], 'bob has shop')
    yield 'users.get() with a host', lambda: expect(
        trove.users.get(ORDERS, 'carol', '10.0.0.%').host == '10.0.0.%', 'carol@10.0.0.%')

    def users_paging():
        first = trove.users.list(ORDERS, limit=2)
        expect(names(first) == ['app', 'bob'] and first.next == 'bob@%', 'app, bob, next = bob@%')
        rest = trove.users.list(ORDERS, limit=2, marker=first.next)
        expect(names(rest) == ['carol'] and not rest.next, 'carol, last page')
    yield 'users.list(limit=2) then marker=next', users_paging
    yield 'users.grant()', lambda: trove.users.grant(ORDERS, 'bob', ['orders', 'audit'])
    yield 'users.list_access()', lambda: expect(
        names(trove.users.list_access(ORDERS, 'bob')) == ['audit', 'orders', 'shop'], 'audit, orders, shop')
    yield 'users.revoke()', lambda: trove.users.revoke(ORDERS, 'bob', 'audit')
    yield 'users.revoke() of a database without access: 404', lambda: expect_fault(
        lambda: trove.users.revoke(ORDERS, 'bob', 'audit'), exceptions.NotFound, 404)
    yield 'users.change_passwords()', lambda: trove.users.change_passwords(ORDERS, [{'name': 'bob', 'password': 'new'}])
    yield 'users.update_attributes() (rename, new host)', lambda: trove.users.update_attributes(
        ORDERS, 'bob', {'name': 'robert', 'host': '10.0.0.1', 'password': 'newer'})
    yield 'users.get() after the rename', lambda: expect(
        names(trove.users.list_access(ORDERS, 'robert', '10.0.0.1')) == ['orders', 'shop'], 'grants kept')
    yield 'users.get() of the old name: 404', lambda: expect_fault(
        lambda: trove.users.get(ORDERS, 'bob'), exceptions.NotFound, 404)
    yield 'users.create() with a bad body: 400 naming the problem', lambda: expect(
        "'password' is a required property" in str(expect_fault(
            lambda: trove.users.create(ORDERS, [{'name': 'nopw'}]), exceptions.BadRequest, 400)), 'the message')
    yield 'users.delete()', lambda: trove.users.delete(ORDERS, 'robert', '10.0.0.1')

    yield 'root.is_instance_root_enabled() (not yet)', lambda: expect(
        trove.root.is_instance_root_enabled(REPORTS).rootEnabled is False, 'false')
    yield 'root.create_instance_root() with a password', lambda: expect(
        trove.root.create_instance_root(REPORTS, 'Given-Pw1') == ('root', 'Given-Pw1'), 'the given password')
    yield 'root.create() (generated password)', lambda: expect(
        len(trove.root.create(ORDERS)[1]) >= 16, 'a generated password')
    yield 'root.is_root_enabled()', lambda: expect(trove.root.is_root_enabled(REPORTS).rootEnabled is True, 'true')
    yield 'users.list() does not show root', lambda: expect('root' not in names(trove.users.list(REPORTS)), 'hidden')
    yield 'mgmt_instances.root_enabled_history()', lambda: expect(
        trove.mgmt_instances.root_enabled_history(REPORTS).enabled != 'Never', 'enabled at a time')
    yield 'root.disable_instance_root()', lambda: trove.root.disable_instance_root(REPORTS)
    yield 'root.is_root_enabled() after disabling', lambda: expect(
        trove.root.is_root_enabled(REPORTS).rootEnabled is False, 'false')
    yield 'root.delete() when not enabled: 404', lambda: expect_fault(
        lambda: trove.root.delete(REPORTS), exceptions.NotFound, 404)

    yield 'mgmt_instances.list()', lambda: expect(
        names(trove.mgmt_instances.list()) == ['billing-db', 'orders-db', 'reports-db'], 'live ones, every tenant')
    yield 'mgmt_instances.list(deleted=True)', lambda: expect(
        names(trove.mgmt_instances.list(deleted=True)) == ['legacy-db'], 'the deleted one')
    yield 'mgmt_instances.list(project_id=...)', lambda: expect(
        names(trove.mgmt_instances.list(project_id='acme')) == ['billing-db'], 'acme has billing-db')

    def mgmt_paging():
        first = trove.mgmt_instances.list(limit=2)
        expect(len(first) == 2 and first.next == '2', 'two, next offset 2')
        rest = trove.mgmt_instances.list(limit=2, marker=first.next)
        expect(len(rest) == 1, 'the third')
    yield 'mgmt_instances.list(limit=2) then marker=next', mgmt_paging
    yield 'mgmt_instances.show()', lambda: expect(
        trove.mgmt_instances.show(ORDERS).server['host'] == 'compute-1', 'with its server')
    yield 'mgmt_instances.stop()', lambda: trove.mgmt_instances.stop(ORDERS)
    yield 'databases.list() of a stopped instance: 422', lambda: expect_fault(
        lambda: trove.databases.list(ORDERS), exceptions.UnprocessableEntity, 422)
    yield 'mgmt_instances.reboot()', lambda: trove.mgmt_instances.reboot(ORDERS)
    yield 'instances.get() status after reboot', lambda: expect(
        trove.instances.get(ORDERS).status == 'ACTIVE', 'ACTIVE')
    yield 'mgmt_instances.migrate()', lambda: trove.mgmt_instances.migrate(ORDERS, host='compute-2')
    yield 'mgmt_instances.show() after migrate', lambda: expect(
        trove.mgmt_instances.show(ORDERS).server['host'] == 'compute-2', 'on compute-2')
    yield 'mgmt_instances.rebuild()', lambda: trove.mgmt_instances.rebuild(ORDERS, IMAGE)
    yield 'mgmt_instances.rebuild() with a bad image id: 400', lambda: expect_fault(
        lambda: trove.mgmt_instances.rebuild(ORDERS, 'not-a-uuid'), exceptions.BadRequest, 400)
    yield 'mgmt_instances.reset_task_status()', lambda: trove.mgmt_instances.reset_task_status(BILLING)
    yield 'mgmt_instances.show() after reset-task-status', lambda: expect(
        trove.mgmt_instances.show(BILLING).task_description == 'No tasks for the instance.', 'no task')
    yield 'diagnostics', lambda: expect(
        diagnostics.DiagnosticsInterrogator(trove).get(ORDERS).version == '8.0.36', 'version')
    yield 'hwinfo', lambda: expect(diagnostics.HwInfoInterrogator(trove).get(ORDERS).hwinfo['num_cpus'] == 2, 'cpus')
    yield 'mgmt_instances.show() of a deleted instance: 404', lambda: expect_fault(
        lambda: trove.mgmt_instances.show(LEGACY), exceptions.NotFound, 404)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--url', default='http://127.0.0.1:8779/v1.0', help="the API's base URL")
    parser.add_argument('--tenant', default='demo', help='the project (tenant) id in the URLs')
    args = parser.parse_args()
    auth = token_endpoint.Token('%s/%s' % (args.url.rstrip('/'), args.tenant), 'demo-token')
    trove = trove_client.Client(session=ks_session.Session(auth=auth))
    passed = failed = 0
    for name, check in checks(trove, args.tenant):
        try:
            check()
        except Exception as error:  # noqa: BLE001 - each failure is reported, the others still run
            failed += 1
            reason = str(error) or type(error).__name__
            print('FAIL  %s: %s' % (name, reason))
            if not isinstance(error, (AssertionError, exceptions.ClientException)):
                traceback.print_exc()
        else:
            passed += 1
            print('PASS  %s' % name)
    print('%d passed, %d failed' % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
