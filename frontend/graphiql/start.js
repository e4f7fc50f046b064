// Starts GraphiQL on the page served at GET /graphql. Loaded from /graphiql/start.js
// after React, ReactDOM and GraphiQL (all served by the gateway itself), so the page
// needs no inline script and works under "script-src 'self'".
(function () {
  'use strict';

  var container = document.getElementById('graphiql');

  if (typeof React === 'undefined' || typeof ReactDOM === 'undefined' || typeof GraphiQL === 'undefined') {
    container.textContent = 'The GraphQL explorer could not load its scripts. The API still accepts POST /graphql with Content-Type: application/json.';
    return;
  }

  // Subscriptions use graphql-ws on the same path and host as the page.
  var wsScheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  var subscriptionUrl = wsScheme + '//' + window.location.host + '/graphql';

  var fetcher = GraphiQL.createFetcher({
    url: '/graphql',
    subscriptionUrl: subscriptionUrl,
  });

  var defaultQuery = [
    '# Welcome to the Athenaeum GraphQL explorer.',
    '#',
    '# 1. Sign in: put your library\'s slug ("platform"',
    '#    for operators), email and password into',
    '#    SignIn below, press the run button and pick',
    '#    "SignIn".',
    '# 2. Copy accessToken from the result into the',
    '#    Headers tab underneath, as',
    '#    {"Authorization": "Bearer <accessToken>"}',
    '# 3. Run "Me" to see who you are signed in as.',
    '#',
    '# Docs (top left) lists every query, mutation and',
    '# subscription. Ctrl-Space completes names,',
    '# Ctrl-Enter runs the operation under the cursor.',
    '',
    'mutation SignIn {',
    '  signIn(input: {',
    '    tenant: "platform"',
    '    email: "you@example.org"',
    '    password: "your password"',
    '  }) {',
    '    accessToken',
    '    accessTokenExpiresAt',
    '  }',
    '}',
    '',
    'query Me {',
    '  me {',
    '    account {',
    '      email',
    '      displayName',
    '      roles',
    '    }',
    '    tenant {',
    '      name',
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');

  var root = ReactDOM.createRoot(container);
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      defaultEditorToolsVisibility: true,
    })
  );
})();
