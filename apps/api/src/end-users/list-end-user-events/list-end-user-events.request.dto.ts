import { PageQuery } from '../../pagination/page-query.dto';

/** Only `page` and `limit`: any other query parameter is a 400. */
export class ListEndUserEventsRequest extends PageQuery {}
