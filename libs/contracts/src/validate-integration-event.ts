import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { EndUserIntegrationEvent, INTEGRATION_EVENT_TYPES, IntegrationEventType } from './end-user-events';
import envelope from './schemas/envelope.schema.json';
import created from './schemas/end_user.created.v1.schema.json';
import updated from './schemas/end_user.updated.v1.schema.json';
import keyIssued from './schemas/end_user.api_key_issued.v1.schema.json';
import deleted from './schemas/end_user.deleted.v1.schema.json';

export const INTEGRATION_EVENT_SCHEMAS: Record<IntegrationEventType, object> = {
  'end_user.created': created,
  'end_user.updated': updated,
  'end_user.api_key_issued': keyIssued,
  'end_user.deleted': deleted,
};

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
ajv.addSchema(envelope);
const validators = new Map<string, ValidateFunction>(Object.entries(INTEGRATION_EVENT_SCHEMAS).map(([type, schema]) => [type, ajv.compile(schema)]));

export type ValidationResult = { valid: true; event: EndUserIntegrationEvent } | { valid: false; errors: string[] };

/** Checks a decoded message against the published JSON Schema of its event_type. */
export function validateIntegrationEvent(value: unknown): ValidationResult {
  const type = (value as { event_type?: unknown } | null)?.event_type;
  if (typeof type !== 'string' || !(INTEGRATION_EVENT_TYPES as readonly string[]).includes(type)) {
    return { valid: false, errors: [`unknown event_type ${JSON.stringify(type)}`] };
  }
  const validate = validators.get(type)!;
  if (validate(value)) return { valid: true, event: value as EndUserIntegrationEvent };
  return { valid: false, errors: (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message ?? 'is invalid'}`) };
}
