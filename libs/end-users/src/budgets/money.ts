/** Money is carried as a decimal string with 6 places (numeric(12,6)); JSON output turns it into a number. */
export const USD_SCALE = 6;
export const MAX_USD = 999_999.999999;

export type UsdString = string;

export function isValidUsdAmount(value: unknown): value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_USD) return false;
  return Number(value.toFixed(USD_SCALE)) === value;
}

export function toUsdString(value: number): UsdString {
  return value.toFixed(USD_SCALE);
}

export function usdToNumber(value: UsdString): number {
  return Number(value);
}
