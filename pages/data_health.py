"""Data health: is every table fresh, which customer records are stale, and what did each import reject."""

from datetime import UTC, datetime

import streamlit as st

from journey import audit, definitions, health, ui

settings = ui.settings()
now = datetime.now(UTC).replace(tzinfo=None)
tables = health.freshness(ui.query, settings, now)

st.title("Data health")
ui.caption("The whole store, whatever the filters: freshness is about the data feeds, not the range you look at.")

st.subheader("Freshness per table")
lights = dict(tables.group_by("light").len().drop_nulls().iter_rows())
for column, name in zip(st.columns(3), health.LIGHTS, strict=True):
    count = lights.get(name, 0)
    column.metric(f":{health.COLORS[name]}[●] {name}", f"{count} table{'' if count == 1 else 's'}",
                  help=definitions.HELP[f"light_{name}"])
st.markdown(health.badges(tables))
ui.table(health.display(tables), "table_freshness", key="health_tables")
ui.caption(f"Age = now − the newest value of the table's time column, in days. Green ≤ "
           f"{settings.freshness_green_days:g} day(s), amber ≤ {settings.freshness_amber_days:g} days, red beyond "
           "(config/journey.toml). Agents, quotas and benchmarks are reference tables without a light; an empty "
           "table has none either.")

st.subheader("Stale customer records")
customers = int(tables.filter(tables["table_name"] == "customers")["rows_count"].sum())
stale = health.stale_customers(ui.query, settings, now, customers)
left, middle, right = st.columns(3)
left.metric("Stale records", f"{stale.count:,}", help=definitions.HELP["stale_count"])
middle.metric("Share of customers", ui.format_value("stale_share", stale.share), help=definitions.HELP["stale_share"])
right.metric("Without updated_at", f"{stale.missing_updated:,}", help=definitions.HELP["missing_updated_count"])
if stale.count:
    ui.table(stale.rows, "stale_customers", key="health_stale")
ui.caption(f"Customer records last updated more than {settings.stale_customer_days:g} days ago, least recently "
           f"updated first (at most {health.LIST_LIMIT:,} listed). A record without updated_at counts by its "
           "created_at, and without either it is stale: nothing shows it is current.")


def import_history() -> None:
    st.subheader("Import history")
    history = health.imports(ui.query)
    if history.height == 0:
        st.info("No import recorded yet: `journey import DIR` records each import here (the demo is loaded directly).")
    else:
        ui.table(history, "imports", key="health_imports")
        ui.caption("Every `journey import`, newest first: rows loaded and rejected, in all and per table.")
        chosen = st.selectbox("Rejected rows of the import", history["import_id"].to_list(), key="health_import",
                              format_func=lambda i: health.import_label(history, i))
        reasons = health.reject_reasons(ui.query, chosen)
        if reasons.height == 0:
            st.success("This import rejected no row.")
        else:
            ui.table(reasons, f"import_{chosen}_reasons", key="health_reasons")
            rejects = health.import_rejects(ui.query, chosen)
            ui.table(rejects.rows, f"import_{chosen}_rejects", key="health_rejects")
            ui.caption(f"Rejected rows by table, column and reason, then each one with its file, line and value (first "
                       f"{rejects.rows.height:,} of {rejects.total:,}; a row with two problems is listed twice). The "
                       "import keeps them in the store, so they survive restarts.")


def audit_log() -> None:
    st.subheader("Audit log")
    events = audit.recent(ui.store().query)  # uncached: sign-ins and exports do not move the data version
    if events.height == 0:
        st.info("No sign-in or export recorded yet.")
    else:
        ui.table(events, "audit_log", key="health_audit")
    ui.caption(f"Sign-ins, failed sign-ins, sign-outs, downloads and saved notes, newest first (at most "
               f"{audit.LIST_LIMIT:,}).")


user = ui.current_user()
if user is not None and user.sees_imports:
    import_history()
    audit_log()
else:
    st.info("Import history, rejected rows and the audit log are shown to analysts.", icon=":material/lock:")
