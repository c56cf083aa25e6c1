/**
 * The request body schemas of the routes this service serves, as Trove's
 * `trove/common/apischema.py` writes them (plus one for enabling root with a
 * password and one for granting access, which Trove does not check).
 */
import type { Schema } from './framework/validation';

const nonEmptyString: Schema = { type: 'string', minLength: 1, maxLength: 255, pattern: '^.*[0-9a-zA-Z]+.*$' };
const nameString: Schema = { type: 'string', minLength: 1, pattern: '^.*[0-9a-zA-Z]+.*$' };
const hostString: Schema = { type: 'string', minLength: 1, pattern: '^[%]?[\\w(-).]*[%]?$' };
const uuid: Schema = {
  type: 'string',
  minLength: 1,
  maxLength: 64,
  pattern: '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$',
};
const configurationPositiveInteger: Schema = {
  type: 'string',
  maxLength: 40,
  minLength: 1,
  pattern: '^0*[1-9]+[0-9]*$',
};
const volumeSize: Schema = { oneOf: [{ type: 'integer', minimum: 1 }, configurationPositiveInteger] };
const flavorRef: Schema = { oneOf: [nonEmptyString, { type: 'integer' }] };
const volume: Schema = {
  type: 'object',
  required: ['size'],
  properties: { size: volumeSize, type: { oneOf: [nonEmptyString, { type: 'null' }] } },
};

const databasesRefList: Schema = {
  type: 'array',
  minItems: 0,
  uniqueItems: true,
  items: { type: 'object', required: ['name'], additionalProperties: true, properties: { name: nonEmptyString } },
};

const databasesDef: Schema = {
  type: 'array',
  minItems: 0,
  items: {
    type: 'object',
    required: ['name'],
    additionalProperties: true,
    properties: { name: nonEmptyString, character_set: nonEmptyString, collate: nonEmptyString },
  },
};

const usersList: Schema = {
  type: 'array',
  minItems: 0,
  items: {
    type: 'object',
    required: ['name', 'password'],
    additionalProperties: true,
    properties: { name: nameString, password: nonEmptyString, host: hostString, databases: databasesRefList },
  },
};

/** `{"key": {...}}`: an action body whose argument must be an object. */
function actionOf(key: string, argument: Schema = { type: 'object' }): Schema {
  return { type: 'object', required: [key], additionalProperties: true, properties: { [key]: argument } };
}

export const schemas = {
  /** `POST .../databases`. */
  databasesCreate: {
    type: 'object',
    required: ['databases'],
    additionalProperties: true,
    properties: { databases: databasesDef },
  } as Schema,
  /** `POST .../users`. */
  usersCreate: { type: 'object', required: ['users'], properties: { users: usersList } } as Schema,
  /** `PUT .../users` (passwords). */
  usersUpdateAll: {
    type: 'object',
    required: ['users'],
    additionalProperties: true,
    properties: { users: usersList },
  } as Schema,
  /** `PUT .../users/{user}` (name, host, password). */
  userUpdate: {
    type: 'object',
    required: ['user'],
    additionalProperties: true,
    properties: {
      user: {
        type: 'object',
        additionalProperties: true,
        minProperties: 1,
        properties: { name: nameString, password: nonEmptyString, host: hostString },
      },
    },
  } as Schema,
  /** `PUT .../users/{user}/databases` (grant). */
  databasesRef: {
    type: 'object',
    required: ['databases'],
    additionalProperties: true,
    properties: { databases: databasesRefList },
  } as Schema,
  /** `POST .../root` with a body: `{"password": "..."}`. */
  rootCreate: { type: 'object', properties: { password: nonEmptyString } } as Schema,
  /** The core instance actions. */
  instanceAction: {
    restart: actionOf('restart'),
    resizeVolume: actionOf('resize', { type: 'object', required: ['volume'], properties: { volume } }),
    resizeFlavor: actionOf('resize', { type: 'object', required: ['flavorRef'], properties: { flavorRef } }),
  },
  /** The mgmt instance actions. */
  mgmtInstanceAction: {
    migrate: actionOf('migrate'),
    reboot: actionOf('reboot'),
    stop: actionOf('stop'),
    'reset-task-status': actionOf('reset-task-status'),
    rebuild: actionOf('rebuild', {
      type: 'object',
      required: ['image_id'],
      additionalProperties: false,
      properties: { image_id: uuid },
    }),
  } as Record<string, Schema>,
};
