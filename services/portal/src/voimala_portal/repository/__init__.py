"""The portal's own tables: sessions and sign-in links (plain SQL, one module per aggregate)."""
