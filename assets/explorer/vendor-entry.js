// The vendor bundle of the explorer: production builds of React, ReactDOM and GraphiQL (with
// its fetcher toolkit and the graphql-ws client for subscriptions), exposed on one global for
// explorer.js. Rebuilt with `npm ci && npm run build` (see README.md); the output is committed
// and embedded in the binary, so the server needs neither node nor the internet.
import * as React from "react";
import { createRoot } from "react-dom/client";
import { GraphiQL } from "graphiql";
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { createClient } from "graphql-ws";
import "graphiql/graphiql.css";

window.ZhitongVendor = { React, createRoot, GraphiQL, createGraphiQLFetcher, createClient };
