using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CollabEditor.Data.Migrations
{
    /// <summary>
    /// Every record and lease change gets a position in commit order (increasing; a reader that sees one knows every lower one is final) and is
    /// kept in <c>change_log</c> for a while, so a listener that reconnects and a program that resumes
    /// get what they missed instead of a resync (DESIGN.md "Live changes").
    /// </summary>
    public partial class ChangeLog : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The position is taken at commit (the announcing triggers are deferred), from a sequence,
            // under a transaction-level advisory lock that is released only after the commit is
            // visible: the next writer gets the next number only after this one has committed (or
            // rolled back). So positions follow commit order, and a reader who sees position n knows
            // every lower number is committed or never will be — no "outbox gap" (a number taken at
            // statement time can commit after a higher one, and a reader resuming from the higher one
            // skips it). A number can go unused (a transaction that fails after taking it); readers
            // treat the positions as ordered, not as dense. A lock, not a counter row: writers at
            // REPEATABLE READ or SERIALIZABLE would fail on a row every writer updates. NOTIFY already
            // serializes committing notifiers the same way, so the wait is the one that was there.
            migrationBuilder.Sql("""
                CREATE SEQUENCE change_position AS bigint;

                CREATE TABLE change_log (
                    position bigint PRIMARY KEY,
                    kind text NOT NULL,
                    resource_key character varying(100) NOT NULL,
                    version bigint NOT NULL,
                    actor text NOT NULL,
                    at timestamp with time zone NOT NULL);
                -- For pruning by age; positions and times grow together, so a BRIN index is enough.
                CREATE INDEX ix_change_log_at ON change_log USING brin (at);

                CREATE FUNCTION collab_announce(kind text, resource_key text, version bigint, actor text) RETURNS void
                LANGUAGE plpgsql AS $$
                DECLARE
                    p bigint;
                BEGIN
                    -- 0x436f6c6c ('Coll'), 1: this app's one commit-order lock.
                    PERFORM pg_advisory_xact_lock(1131375724, 1);
                    p := nextval('change_position');
                    INSERT INTO change_log (position, kind, resource_key, version, actor, at)
                    VALUES (p, kind, resource_key, version, actor, clock_timestamp());
                    PERFORM pg_notify('collab_changes', json_build_object(
                        'kind', kind,
                        'key', resource_key,
                        'version', version,
                        'actor', actor,
                        'position', p,
                        'at', floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint)::text);
                END $$;

                CREATE OR REPLACE FUNCTION collab_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE
                    kind text;
                    actor text := NULLIF(current_setting('collab.actor', true), '');
                BEGIN
                    IF TG_OP = 'DELETE' THEN
                        PERFORM collab_announce('deleted', TG_ARGV[0] || '/' || OLD.id, OLD.version, COALESCE(actor, 'another program'));
                        RETURN NULL;
                    ELSIF TG_OP = 'UPDATE' THEN
                        IF NEW IS NOT DISTINCT FROM OLD THEN
                            -- Nothing changed: no new version to announce.
                            RETURN NULL;
                        END IF;
                        IF actor IS NULL AND NEW.last_changed_at IS DISTINCT FROM OLD.last_changed_at THEN
                            actor := NEW.last_changed_by;
                        END IF;
                        kind := 'saved';
                    ELSE
                        actor := COALESCE(actor, NEW.last_changed_by);
                        kind := 'created';
                    END IF;
                    -- At commit, a row changed again later in the same transaction (or deleted) is
                    -- announced by that later event: only what is committed is a version.
                    IF TG_TABLE_NAME = 'products' THEN
                        IF (SELECT t FROM products t WHERE t.id = NEW.id) IS DISTINCT FROM NEW THEN
                            RETURN NULL;
                        END IF;
                    ELSIF (SELECT t FROM orders t WHERE t.id = NEW.id) IS DISTINCT FROM NEW THEN
                        RETURN NULL;
                    END IF;
                    PERFORM collab_announce(kind, TG_ARGV[0] || '/' || NEW.id, NEW.version, COALESCE(actor, 'another program'));
                    RETURN NULL;
                END $$;

                CREATE OR REPLACE FUNCTION collab_notify_lease() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE
                    r leases := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
                    kind text;
                    actor text := r.holder_name;
                BEGIN
                    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.token <> OLD.token) THEN
                        kind := 'leaseGranted';
                    ELSIF TG_OP = 'UPDATE' THEN
                        kind := 'leaseRenewed';
                    ELSIF OLD.expires_at <= now() THEN
                        kind := 'leaseExpired';
                    ELSIF current_setting('collab.lease_reason', true) = 'force-released' THEN
                        kind := 'leaseForceReleased';
                        actor := COALESCE(NULLIF(current_setting('collab.actor', true), ''), 'an administrator');
                    ELSE
                        kind := 'leaseReleased';
                    END IF;
                    PERFORM collab_announce(kind, r.resource_key, r.fencing, actor);
                    RETURN NULL;
                END $$;

                DROP TRIGGER products_notify ON products;
                CREATE CONSTRAINT TRIGGER products_notify AFTER INSERT OR UPDATE OR DELETE ON products
                    DEFERRABLE INITIALLY DEFERRED
                    FOR EACH ROW EXECUTE FUNCTION collab_notify_change('product');
                DROP TRIGGER orders_notify ON orders;
                CREATE CONSTRAINT TRIGGER orders_notify AFTER INSERT OR UPDATE OR DELETE ON orders
                    DEFERRABLE INITIALLY DEFERRED
                    FOR EACH ROW EXECUTE FUNCTION collab_notify_change('order');
                DROP TRIGGER leases_notify ON leases;
                CREATE CONSTRAINT TRIGGER leases_notify AFTER INSERT OR UPDATE OR DELETE ON leases
                    DEFERRABLE INITIALLY DEFERRED
                    FOR EACH ROW EXECUTE FUNCTION collab_notify_lease();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER leases_notify ON leases;
                CREATE TRIGGER leases_notify AFTER INSERT OR UPDATE OR DELETE ON leases
                    FOR EACH ROW EXECUTE FUNCTION collab_notify_lease();
                DROP TRIGGER orders_notify ON orders;
                CREATE TRIGGER orders_notify AFTER INSERT OR UPDATE OR DELETE ON orders
                    FOR EACH ROW EXECUTE FUNCTION collab_notify_change('order');
                DROP TRIGGER products_notify ON products;
                CREATE TRIGGER products_notify AFTER INSERT OR UPDATE OR DELETE ON products
                    FOR EACH ROW EXECUTE FUNCTION collab_notify_change('product');

                CREATE OR REPLACE FUNCTION collab_notify_lease() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE
                    r leases := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
                    kind text;
                    actor text := r.holder_name;
                BEGIN
                    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.token <> OLD.token) THEN
                        kind := 'leaseGranted';
                    ELSIF TG_OP = 'UPDATE' THEN
                        kind := 'leaseRenewed';
                    ELSIF OLD.expires_at <= now() THEN
                        kind := 'leaseExpired';
                    ELSIF current_setting('collab.lease_reason', true) = 'force-released' THEN
                        kind := 'leaseForceReleased';
                        actor := COALESCE(NULLIF(current_setting('collab.actor', true), ''), 'an administrator');
                    ELSE
                        kind := 'leaseReleased';
                    END IF;
                    PERFORM pg_notify('collab_changes', json_build_object(
                        'kind', kind, 'key', r.resource_key, 'version', r.fencing, 'actor', actor)::text);
                    RETURN NULL;
                END $$;

                CREATE OR REPLACE FUNCTION collab_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
                DECLARE
                    r jsonb;
                    kind text;
                    actor text := NULLIF(current_setting('collab.actor', true), '');
                BEGIN
                    IF TG_OP = 'DELETE' THEN
                        r := to_jsonb(OLD);
                        kind := 'deleted';
                    ELSE
                        r := to_jsonb(NEW);
                        kind := CASE TG_OP WHEN 'INSERT' THEN 'created' ELSE 'saved' END;
                        IF actor IS NULL AND (TG_OP = 'INSERT' OR (r ->> 'last_changed_at') IS DISTINCT FROM (to_jsonb(OLD) ->> 'last_changed_at')) THEN
                            actor := r ->> 'last_changed_by';
                        END IF;
                    END IF;
                    PERFORM pg_notify('collab_changes', json_build_object(
                        'kind', kind,
                        'key', TG_ARGV[0] || '/' || (r ->> 'id'),
                        'version', COALESCE((r ->> 'version')::bigint, 0),
                        'actor', COALESCE(actor, 'another program'),
                        'at', floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint)::text);
                    RETURN NULL;
                END $$;

                DROP FUNCTION collab_announce(text, text, bigint, text);
                DROP TABLE change_log;
                DROP SEQUENCE change_position;
                """);
        }
    }
}
