import { APP_CONFIG, AppConfig } from '@app/config';
import { Logger, Provider } from '@nestjs/common';
import { DataKeys } from './data-keys';
import { KekRing } from './kek-ring';

/** DataKeys on the KEKs of DATA_KEK (validated at start-up). */
export const dataKeysProvider: Provider = {
  provide: DataKeys,
  inject: [APP_CONFIG],
  useFactory: (config: AppConfig) => {
    if (!config.DATA_KEK) new Logger('DataKeys').warn('DATA_KEK is not set: using the development-only key-encryption key (refused in production)');
    return new DataKeys(new KekRing(config.dataKeks));
  },
};
