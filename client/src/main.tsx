import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Provider } from 'urql';
import { App } from './dashboard/App.js';
import { settingsFromUrl } from './dashboard/settings.js';
import { createConnection } from './lib/connection.js';
import './dashboard/styles.css';

const settings = settingsFromUrl(location.search);
const httpUrl = new URL('/graphql', location.href).toString();
const connection = createConnection({
  httpUrl,
  wsUrl: httpUrl.replace(/^http/, 'ws'),
  backoff: settings.backoff,
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Provider value={connection.client}>
      <App connection={connection} settings={settings} />
    </Provider>
  </StrictMode>,
);
