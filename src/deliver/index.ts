// Delivery of team reports: who gets what (plan.ts), the message (message.ts),
// one SMTP attempt and its meaning (smtp.ts), the send log (send-log.ts),
// `allot send` (send.ts), and reports written to disk (files.ts).
export { planSends, type PlannedSend, type PlanOptions } from './plan.ts';
export { composeMessage, messageIdFor, toEml, DEFAULT_FROM } from './message.ts';
export { attemptSend, classifySmtpError, smtpReply, smtpSetupProblem, smtpTransport, SmtpSetupError, type Attempt, type MailTransport } from './smtp.ts';
export { finishSend, markInterrupted, readSendLog, recordAttempt, startSend, type SendLogRow, type SendStatus } from './send-log.ts';
export { sendReports, assertDelivered, DeliveryError, DEFAULT_RETRY_DELAYS_MS, type SendOptions, type SendOutcome, type SendResult } from './send.ts';
export { writeShowback, writeTeamEmails, writeTeamFiles, writeValueReport, type ShowbackFile, type TeamEmailFiles } from './files.ts';
