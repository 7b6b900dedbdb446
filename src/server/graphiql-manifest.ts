/**
 * The contract between the build (client/graphiql-assets.ts emits GraphiQL's pieces as hashed files)
 * and the server (graphiql.ts links them from the page): the manifest's file name in client/dist and
 * its shape. URL paths, all under /assets/.
 */
export const GRAPHIQL_MANIFEST = 'graphiql-assets.json';

export interface GraphiqlManifest {
  css: string;
  js: string;
  favicon: string;
  /** Monaco's workers by the label its `getWorkerUrl` is asked for. */
  workers: Record<string, string>;
}
