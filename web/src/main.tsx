import { createRoot } from 'react-dom/client';
import { App } from './app';
import { boot } from './pages/runs-first-page';
import './styles.css';

// Before React's first render: the session check, and a runs table's first page (see runs-first-page).
boot(location.pathname, location.search);

createRoot(document.getElementById('root')!).render(<App />);
