export { JsMqttSession, MqttTransportError, describeJsFailure, upgradeRefusal } from './session';
export * from './packets';
