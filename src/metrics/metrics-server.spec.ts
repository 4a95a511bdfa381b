import { MetricsServer } from './metrics-server';
import type { MetricsService } from './metrics.service';

describe(MetricsServer.name, () => {
  const metrics = {
    render: jest.fn(
      async () => 'chronicle_jobs_total{type="a",outcome="completed"} 3\n',
    ),
    contentType: 'text/plain; version=0.0.4; charset=utf-8',
  } as unknown as MetricsService;
  const server = new MetricsServer(metrics);
  let base: string;

  beforeAll(async () => {
    const port = await server.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await server.onApplicationShutdown();
  });

  it('serves the metrics at GET /metrics', async () => {
    const response = await fetch(`${base}/metrics`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('version=0.0.4');
    expect(await response.text()).toContain('chronicle_jobs_total{type="a"');
  });

  it('returns 404 on other paths', async () => {
    const response = await fetch(`${base}/other`);

    expect(response.status).toBe(404);
  });
});
