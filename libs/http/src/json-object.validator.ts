import { registerDecorator, ValidationOptions } from 'class-validator';
import { TOO_LARGE_CONSTRAINT } from './validation';

/** A JSON object (not an array, not null); over `maxBytes` serialized it is a 413, not a 400. */
export function IsJsonObject(options: { maxBytes: number }, validationOptions?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isJsonObject',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `${String(propertyName)} must be a JSON object`, ...validationOptions },
      validator: {
        validate: (value: unknown) => value !== null && typeof value === 'object' && !Array.isArray(value),
      },
    });
    registerDecorator({
      name: TOO_LARGE_CONSTRAINT,
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `${String(propertyName)} must be at most ${options.maxBytes / 1024} KiB when serialized` },
      validator: {
        validate: (value: unknown) => typeof value !== 'object' || Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8') <= options.maxBytes,
      },
    });
  };
}
