"""Geography: French communes, postal codes and geocoding (pure logic, no Flask)."""
