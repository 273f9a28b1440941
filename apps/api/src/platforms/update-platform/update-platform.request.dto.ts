import { isValidUsdAmount } from '@app/end-users';
import { CodePointLength, IsJsonObject } from '@app/http';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsString, ValidateIf, ValidateNested, ValidationArguments, registerDecorator } from 'class-validator';

function IsUsdAmount(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isUsdAmount',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: (args: ValidationArguments) =>
          `settings.${args.property} must be a number greater than 0 and at most 999999.999999, with at most 6 decimal places, or null to remove it`,
      },
      validator: { validate: (value: unknown) => isValidUsdAmount(value) },
    });
}

export class PlatformSettingsPatch {
  @IsUsdAmount()
  @ValidateIf((_, value) => value !== null && value !== undefined)
  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    exclusiveMinimum: true,
    minimum: 0,
    maximum: 999999.999999,
    description: 'Monthly budget in USD for each end user created from now on, with at most 6 decimal places; `null` removes the setting.',
    example: 25,
  })
  default_budget_usd?: number | null;
}

export class UpdatePlatformRequest {
  @CodePointLength(1, 200, { message: 'name must be 1-200 characters' })
  @IsString({ message: 'name must be a string' })
  @ValidateIf((_, value) => value !== undefined)
  @ApiPropertyOptional({ minLength: 1, maxLength: 200, example: 'Acme' })
  name?: string;

  @ValidateNested()
  @IsJsonObject({ maxBytes: 16 * 1024 })
  @ValidateIf((_, value) => value !== undefined)
  @Type(() => PlatformSettingsPatch)
  @ApiPropertyOptional({ type: () => PlatformSettingsPatch, description: 'Merged key by key into the stored settings; unknown settings are a 400.' })
  settings?: PlatformSettingsPatch;
}
