import { registerDecorator, ValidationOptions } from 'class-validator';

function countCodePoints(value: string, stopAfter: number): number {
  let count = 0;
  for (const _ of value) if (++count > stopAfter) break;
  return count;
}

/**
 * Length in Unicode code points (what a person calls characters), not UTF-16 units. Registers
 * two constraints so the error detail says `too_short` or `too_long`.
 */
export function CodePointLength(min: number, max: number, validationOptions?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    const options = { message: `${String(propertyName)} must be ${min}-${max} characters`, ...validationOptions };
    registerDecorator({
      name: 'minCodePoints',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: { validate: (value: unknown) => typeof value === 'string' && countCodePoints(value, min) >= min },
    });
    registerDecorator({
      name: 'maxCodePoints',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: { validate: (value: unknown) => typeof value === 'string' && countCodePoints(value, max) <= max },
    });
  };
}
