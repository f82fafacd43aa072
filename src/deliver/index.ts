// Delivery of team reports: SMTP sending with a send log, and .eml files.
export {
  sendReports, assertDelivered, classifySmtpError, smtpSetupProblem, smtpTransport, writeTeamEmails, DeliveryError, SmtpSetupError, DEFAULT_RETRY_DELAYS_MS,
  type MailTransport, type SendOptions, type SendOutcome, type SendResult, type TeamEmailFiles,
} from './send.ts';
export { composeMessage, messageIdFor, toEml, DEFAULT_FROM } from './message.ts';
export { readSendLog, type SendLogRow, type SendStatus } from './send-log.ts';
