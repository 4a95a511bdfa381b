import type { NextFunction, Request, Response } from 'express';
import { routeTemplate } from '../common/route-template';
import type { MetricsService } from './metrics.service';

/**
 * Returns an Express middleware that counts every finished request and
 * observes its duration, labelled by method, route template (never the raw
 * URL, so ids add no series) and status code.
 */
export function httpMetrics(metrics: MetricsService) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const stopTimer = metrics.httpRequestDuration.startTimer();
    response.once('finish', () => {
      const labels = {
        method: request.method,
        route: routeTemplate(request),
        status: String(response.statusCode),
      };
      metrics.httpRequests.inc(labels);
      stopTimer(labels);
    });
    next();
  };
}
