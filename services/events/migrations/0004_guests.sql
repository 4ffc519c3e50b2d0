-- A guest's erasure finds their registrations by the e-mail (any case) or the phone they gave
-- (handlers/guests.py); only rows that still hold a guest's contact are indexed.
CREATE INDEX registration_guest_email ON registration (lower(guest_email))
    WHERE guest_name IS NOT NULL AND guest_email IS NOT NULL;
CREATE INDEX registration_guest_phone ON registration (guest_phone)
    WHERE guest_name IS NOT NULL AND guest_phone IS NOT NULL;
