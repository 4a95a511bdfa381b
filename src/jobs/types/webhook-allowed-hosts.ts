/**
 * The hosts of WEBHOOK_ALLOWED_HOSTS: `host` allows any port of that host,
 * `host:port` only that port. Names compare case-insensitively.
 */
export class WebhookAllowedHosts {
  private readonly entries: { host: string; port?: string }[];

  constructor(list: string) {
    this.entries = list
      .split(',')
      .map((entry) => entry.trim().toLowerCase())
      .filter((entry) => entry.length > 0)
      .map((entry) => {
        const [host, port] = entry.split(':');
        return { host, port };
      });
  }

  allows(url: URL): boolean {
    const host = url.hostname.toLowerCase();
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');

    return this.entries.some(
      (entry) =>
        entry.host === host &&
        (entry.port === undefined || entry.port === port),
    );
  }

  describe(): string {
    return this.entries.length === 0
      ? 'none (WEBHOOK_ALLOWED_HOSTS is empty)'
      : this.entries
          .map((e) => (e.port ? `${e.host}:${e.port}` : e.host))
          .join(', ');
  }
}
