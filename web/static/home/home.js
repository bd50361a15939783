// The landing page: a party goes to code entry, staff to the console. A staff member
// already logged in in this tab goes straight on to the console.
import { pageI18n } from "../lib/i18n.js";
import { staffToken } from "../lib/session.js";
import strings from "./strings.js";

if (staffToken()) location.replace("/console");
else pageI18n(strings).apply();
