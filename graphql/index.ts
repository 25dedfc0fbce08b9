/** The GraphQL gateway (Yoga + Pothos over ClickHouse and PostgreSQL): public surface. */
export { registerServeCommand } from './command.ts';
export { defaultConsumerGroups, startGateway, type Gateway, type GatewayOptions } from './server.ts';
export { printGatewaySchema, schema } from './schema/index.ts';
export { ErrorCode } from './errors.ts';
