import type { Request } from 'express';

/** Label of requests that matched no route, so unknown URLs add no series. */
export const UNMATCHED_ROUTE = '(unmatched)';

/**
 * Returns the route template a request matched (`/books/:id`), or
 * {@link UNMATCHED_ROUTE}. Read it once the response has finished: Express
 * sets `request.route` only when a route handles the request. Sub-apps
 * mounted with `app.use(path, ...)` report their mount path.
 */
export function routeTemplate(request: Request): string {
  const route = (request as { route?: { path?: unknown } }).route;
  if (typeof route?.path === 'string') {
    return `${request.baseUrl}${route.path}` || '/';
  }
  if (request.baseUrl) return request.baseUrl;

  return UNMATCHED_ROUTE;
}
