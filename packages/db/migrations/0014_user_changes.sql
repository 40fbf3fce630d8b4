-- Every change to a user row is announced on the channel user_changes with the user's id, when
-- its transaction commits: api instances forget their cached copy of that user at once, whoever
-- made the change (another instance, or a statement run straight in the database).
CREATE FUNCTION users_announce_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('user_changes', OLD.id::text);
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER users_announce_change
AFTER UPDATE OR DELETE ON users
FOR EACH ROW EXECUTE FUNCTION users_announce_change();
