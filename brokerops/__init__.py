"""Operating the broker, apart from producing to it: RabbitMQ's management API (`admin`,
the queue and connection reads of `management`), the backend's broker users (`roles`),
and dead letters listed and replayed (`deadletters`, `dead_letter_access`)."""
