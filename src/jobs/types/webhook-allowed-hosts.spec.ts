import { WebhookAllowedHosts } from './webhook-allowed-hosts';

describe(WebhookAllowedHosts.name, () => {
  const allowed = new WebhookAllowedHosts(
    'Hooks.Example.com, 127.0.0.1:8080,,api.example.org:443',
  );

  it.each([
    ['https://hooks.example.com/x', true],
    ['http://HOOKS.example.com:9000/x', true],
    ['http://127.0.0.1:8080/x', true],
    ['http://127.0.0.1:8081/x', false],
    ['http://127.0.0.1/x', false],
    ['https://api.example.org/x', true],
    ['http://api.example.org/x', false],
    ['https://evil.example.com/x', false],
    ['https://hooks.example.com.evil.test/x', false],
  ])('%s allowed: %s', (url, expected) => {
    expect(allowed.allows(new URL(url))).toBe(expected);
  });

  it('allows nothing when empty', () => {
    const none = new WebhookAllowedHosts('');

    expect(none.allows(new URL('http://127.0.0.1/'))).toBe(false);
    expect(none.describe()).toContain('WEBHOOK_ALLOWED_HOSTS is empty');
  });
});
