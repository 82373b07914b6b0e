import { lazy, Suspense, useEffect, useState } from 'react';
import { actingUser, setActingUser, signOut, UNAUTHENTICATED_EVENT, type SessionUser } from './api/client';
import { SignInPage } from './pages/sign-in-page';
import { ExperimentsPage } from './pages/experiments-page';
import { RunsPage } from './pages/runs-page';
import { takeBootSession } from './pages/runs-first-page';
import { Link, match, navigate, useLocation } from './router';

// Pages other than the experiments list and the runs table load on first visit (a smaller first script).
const ComparePage = lazy(() => import('./pages/compare-page').then((m) => ({ default: m.ComparePage })));
const JobPage = lazy(() => import('./pages/jobs-page').then((m) => ({ default: m.JobPage })));
const JobsPage = lazy(() => import('./pages/jobs-page').then((m) => ({ default: m.JobsPage })));
const ModelPage = lazy(() => import('./pages/models-page').then((m) => ({ default: m.ModelPage })));
const ModelsPage = lazy(() => import('./pages/models-page').then((m) => ({ default: m.ModelsPage })));
const PipelineRunPage = lazy(() => import('./pages/pipelines-page').then((m) => ({ default: m.PipelineRunPage })));
const PipelinesPage = lazy(() => import('./pages/pipelines-page').then((m) => ({ default: m.PipelinesPage })));
const RunPage = lazy(() => import('./pages/run-page').then((m) => ({ default: m.RunPage })));
const StudiesPage = lazy(() => import('./pages/studies-page').then((m) => ({ default: m.StudiesPage })));
const AdminPage = lazy(() => import('./pages/admin-page').then((m) => ({ default: m.AdminPage })));
const MyRunsPage = lazy(() => import('./pages/my-runs-page').then((m) => ({ default: m.MyRunsPage })));
const StudyPage = lazy(() => import('./pages/studies-page').then((m) => ({ default: m.StudyPage })));

function Page({ path, user }: { path: string; user?: SessionUser }) {
  let p: Record<string, string> | null;
  if (path === '/' || path === '') {
    queueMicrotask(() => navigate('/experiments', { replace: true }));
    return null;
  }
  if (match('/experiments', path)) return <ExperimentsPage />;
  if ((p = match('/experiments/:id', path))) return <RunsPage experimentId={p.id!} />;
  if ((p = match('/runs/:id', path))) return <RunPage runId={p.id!} />;
  if (match('/compare', path)) return <ComparePage />;
  if (match('/models', path)) return <ModelsPage />;
  if ((p = match('/models/:name', path))) return <ModelPage name={p.name!} />;
  if (match('/studies', path)) return <StudiesPage />;
  if ((p = match('/studies/:name', path))) return <StudyPage name={p.name!} />;
  if (match('/pipelines', path)) return <PipelinesPage />;
  if ((p = match('/pipelines/:id', path))) return <PipelineRunPage runId={p.id!} />;
  if (match('/jobs', path)) return <JobsPage />;
  if (match('/my-runs', path) && user) return <MyRunsPage username={user.username} />;
  if (match('/admin', path) && user?.is_admin) return <AdminPage />;
  if ((p = match('/jobs/:id', path))) return <JobPage jobId={p.id!} />;
  return <div className="page"><h1>Not found</h1><p>No page at {path}. <Link to="/experiments">Experiments</Link></p></div>;
}

function UserBox() {
  const [user, setUser] = useState(actingUser());
  return (
    <label className="user" title="Acting user (sent as X-Trainyard-User until sign-in lands)">
      acting as <input aria-label="acting user" value={user} placeholder="your name" onChange={(e) => (setUser(e.target.value), setActingUser(e.target.value))} />
    </label>
  );
}

/** Where sign-in stands: asking the server, auth off (no sign-in), sign-in wanted, or a user. */
type AuthState = { kind: 'loading' } | { kind: 'off' } | { kind: 'signin' } | { kind: 'user'; user: SessionUser };

function SignedInBox({ user, onSignedOut }: { user: SessionUser; onSignedOut: () => void }) {
  return (
    <span className="user">
      signed in as <strong data-testid="signed-in-user">{user.username}</strong>
      <button type="button" onClick={() => void signOut().finally(onSignedOut)}>Sign out</button>
    </span>
  );
}

export function App() {
  const { path } = useLocation();
  const section = path.split('/')[1];
  const [auth, setAuth] = useState<AuthState>({ kind: 'loading' });
  useEffect(() => {
    takeBootSession()
      .then((s) => setAuth(s === 'auth-off' ? { kind: 'off' } : s ? { kind: 'user', user: s } : { kind: 'signin' }))
      .catch(() => setAuth({ kind: 'off' }));
    const wanted = () => setAuth({ kind: 'signin' });
    window.addEventListener(UNAUTHENTICATED_EVENT, wanted);
    return () => window.removeEventListener(UNAUTHENTICATED_EVENT, wanted);
  }, []);
  if (auth.kind === 'loading') return null;
  if (auth.kind === 'signin') return <SignInPage onSignedIn={(user) => setAuth({ kind: 'user', user })} />;
  return (
    <>
      <header className="top">
        <Link to="/experiments" className="brand">Trainyard</Link>
        <nav>
          <Link to="/experiments" className={section === 'experiments' || section === 'runs' || section === 'compare' ? 'on' : ''}>Experiments</Link>
          <Link to="/models" className={section === 'models' ? 'on' : ''}>Models</Link>
          <Link to="/studies" className={section === 'studies' ? 'on' : ''}>Studies</Link>
          <Link to="/pipelines" className={section === 'pipelines' ? 'on' : ''}>Pipelines</Link>
          <Link to="/jobs" className={section === 'jobs' ? 'on' : ''}>Jobs</Link>
          {auth.kind === 'user' && <Link to="/my-runs" className={section === 'my-runs' ? 'on' : ''}>My runs</Link>}
          {auth.kind === 'user' && auth.user.is_admin && <Link to="/admin" className={section === 'admin' ? 'on' : ''}>Admin</Link>}
        </nav>
        {auth.kind === 'user' ? <SignedInBox user={auth.user} onSignedOut={() => setAuth({ kind: 'signin' })} /> : <UserBox />}
      </header>
      <main><Suspense fallback={<div className="page muted">loading…</div>}><Page path={path} {...(auth.kind === 'user' ? { user: auth.user } : {})} /></Suspense></main>
    </>
  );
}
