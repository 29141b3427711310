// The MoJ Design System's components on staff pages (sortable tables, button menus, filter toggles).
// A module file, not an inline script, so the content-security policy needs no exception for it.
import { initAll } from "../moj/moj-frontend.min.js";

initAll();
