import { Type } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { DEFAULT_LIMIT, MAX_LIMIT, Page } from './page-query.dto';

/** The OpenAPI model of `Page<T>` for one item type, named `name` in the document. */
export function PageResponse<T>(item: Type<T>, name: string): Type<Page<T>> {
  class PageOfItems implements Page<T> {
    @ApiProperty({ type: [item] })
    data!: T[];

    @ApiProperty({ type: 'integer', minimum: 0, description: 'Items across all pages.', example: 42 })
    total!: number;

    @ApiProperty({ type: 'integer', minimum: 1, example: 1 })
    page!: number;

    @ApiProperty({ type: 'integer', minimum: 1, maximum: MAX_LIMIT, example: DEFAULT_LIMIT })
    limit!: number;
  }
  Object.defineProperty(PageOfItems, 'name', { value: name });
  return PageOfItems;
}
