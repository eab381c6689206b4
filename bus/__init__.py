"""The message bus as every process uses it, the speaker agent on the Pi included:
connection parameters (`connection`), message properties and retry headers
(`messages`), the consume loop (`consume`) and stage stamps (`stages`). The standard
library, pika and `contracts` only."""
