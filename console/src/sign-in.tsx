import { useState } from 'preact/hooks';
import { GraphQLRequestError } from './api';

/** Sign-in with an agent's API key; the key stays in this tab only. */
export function SignIn({ onSignIn }: { onSignIn: (apiKey: string) => Promise<void> }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    if (!key.trim()) return;
    setBusy(true);
    setError(null);
    try {
      await onSignIn(key.trim());
    } catch (failure) {
      const refused = failure instanceof GraphQLRequestError && (failure.status === 401 || failure.code === 'UNAUTHENTICATED' || failure.code === 'FORBIDDEN');
      setError(refused ? 'This key was not accepted. Check it has not been revoked.' : failure instanceof Error ? failure.message : String(failure));
      setBusy(false);
    }
  }

  return (
    <div class="signin">
      <form class="signin-card" onSubmit={submit}>
        <div class="brand large">
          <span class="logo" aria-hidden="true">◆</span> Switchboard
        </div>
        <h1>Agent console</h1>
        <p class="muted">Sign in with your agent API key. It is kept in this browser tab only and forgotten when the tab closes.</p>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autocomplete="off"
          spellcheck={false}
          placeholder="sk_live_…"
          value={key}
          onInput={(event) => setKey(event.currentTarget.value)}
          autofocus
        />
        {error && (
          <p class="form-error" role="alert">
            {error}
          </p>
        )}
        <button class="primary" type="submit" disabled={busy || !key.trim()}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </div>
  );
}
