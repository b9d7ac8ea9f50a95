MODULE exit;

BEGIN
  HALT(3)
END exit.
