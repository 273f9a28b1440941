import { DEVELOPMENT_DATA_KEK, parseKekRing } from '@app/config';
import { DataKeys, KekRing } from '@app/personal-data';

/** The data keys the apps under test use: those of DATA_KEK, else (as the apps do outside production) the development KEK. */
export function testDataKeys(env: NodeJS.ProcessEnv = process.env): DataKeys {
  return new DataKeys(new KekRing(env.DATA_KEK ? parseKekRing(env.DATA_KEK) : [DEVELOPMENT_DATA_KEK]));
}
