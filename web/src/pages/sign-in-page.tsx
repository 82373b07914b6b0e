import { useState } from 'react';
import { signIn, type SessionUser } from '../api/client';

/** Shown whenever the server answers 401: signs in with a username and password (session cookie). */
export function SignInPage({ onSignedIn }: { onSignedIn: (u: SessionUser) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      onSignedIn(await signIn(username.trim(), password));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="page sign-in">
      <h1>Sign in to Trainyard</h1>
      <form onSubmit={submit} aria-label="sign in">
        <label>Username <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} autoFocus /></label>
        <label>Password <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} /></label>
        {error && <p className="error" role="alert">{error}</p>}
        <button type="submit" disabled={busy || !username || !password}>Sign in</button>
      </form>
    </div>
  );
}
